export { startKinflow, type StartOptions, type StartedKinflow } from './app.js';
export { loadConfig, type KinflowConfig } from './config/index.js';
