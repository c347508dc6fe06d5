export * from './system-clock.adapter';
export * from './uuidv7-id-generator.adapter';
