/** functape's version, kept equal to package.json's (a test checks). */
export const FUNCTAPE_VERSION = '0.1.0';
