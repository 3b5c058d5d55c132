export * from './frame.js';
export * from './host-address.js';
export * from './session.js';
export * from './event.js';
export * from './duplex.js';
export * from './store.js';
export * from './stream-end.js';
export * from './index-row.js';
