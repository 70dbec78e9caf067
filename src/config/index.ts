export { loadConfig, describeConfig, SECRET_KEY_FILE, type Config, type LoadConfigOptions } from './load-config.ts';
export {
  configOptions,
  renderConfigTable,
  parseSecretKey,
  LOG_LEVELS,
  type ConfigOption,
  type ConfigVariable,
  type LogLevel,
} from './config-schema.ts';
export { SecretKey, type SecretKeySource } from './secret-key.ts';
export { createSecretBox, type SecretBox } from './secret-box.ts';
