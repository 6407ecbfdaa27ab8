export const DATABASE_DRIVER = Symbol('DATABASE_DRIVER');
