// Every language the element speaks. A language is one file beside this one with every text of en.js.
import en from './en.js';
import fr from './fr.js';
import sv from './sv.js';

/** @typedef {typeof en} Messages */

export const MESSAGES = { en, fr, sv };

/** @typedef {keyof typeof MESSAGES} Language */
export const LANGUAGES = /** @type {Language[]} */ (Object.keys(MESSAGES));
