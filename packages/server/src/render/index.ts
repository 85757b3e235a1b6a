/**
 * Weft's Eta setup (autoEscape on, compiled templates cached, dev reload), for pages rendered
 * outside a LiveView and for packages that ship templates. The HTML delta stays internal.
 * @packageDocumentation
 */
export { Templates, addTemplateRoot } from "./templates.js";
