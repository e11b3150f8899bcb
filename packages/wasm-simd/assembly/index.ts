export * from './conv';
export * from './neurons';
export * from './spikes';
