/** @module dime/lambda — AWS Lambda entry (function URL / API Gateway), configuration from process.env. */
import { lambdaHandler } from '../../shared/http/lambda-entry'
import app from './app'

export const handler = lambdaHandler(app)
