/** Where the tests run the storefront and the emulator (override the ports if they are taken). */
export const STOREFRONT_PORT = Number(process.env.STOREFRONT_PORT || 3300);
export const EMULATOR_PORT = Number(process.env.EMULATOR_PORT || 3301);
export const APP_ORIGIN = `http://localhost:${STOREFRONT_PORT}`;
export const EMULATOR_ORIGIN = `http://localhost:${EMULATOR_PORT}`;
/** The storefront's client ID at the emulator. */
export const CLIENT_ID = 'react-storefront';
export const BASE_PATH = '/account-session';
