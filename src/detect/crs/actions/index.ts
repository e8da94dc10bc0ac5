// Loads every action so each registers itself.
import './metadata';
import './flow';
import './disruptive';
import './logging';
import './match-options';
import './setvar';
import './collections';
import './ctl';
import './transform';

export { getAction } from './registry';
