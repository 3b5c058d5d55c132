export * from './streaming-message.js';
export * from './describe.js';
