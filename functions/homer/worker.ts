/** @module homer/worker — Workers/miniflare entry: the app as a module worker. */
export { default } from './app'
