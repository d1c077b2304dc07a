/** @module dime/lambda — AWS Lambda entry (function URL / API Gateway), configuration from process.env, secrets from Secrets Manager once per cold start. */
import { loadColdStartSecrets } from '../../shared/config/lambda-secrets'
import { lambdaHandler } from '../../shared/http/lambda-entry'
import app from './app'

await loadColdStartSecrets(process.env)
export const handler = lambdaHandler(app)
