// Transformations: each compared with what ModSecurity produces for the same input.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getTransformation } from '../src/detect/crs/transformations';

const t = (name: string, input: string): string => {
  const tr = getTransformation(name);
  assert.ok(tr, `transformation ${name} registered`);
  return tr.fn(input);
};

test('urlDecode / urlDecodeUni', () => {
  assert.equal(t('urlDecode', 'a%20b+c%2'), 'a b c%2');
  assert.equal(t('urlDecode', '%zz%41'), '%zzA');
  assert.equal(t('urlDecodeUni', '%u0041%uff0e%u2215'), 'A.\x15');
  assert.equal(t('urlDecodeUni', '%u00'), '%u00');
  assert.equal(t('urlDecodeUni', '%3Cscript%3E'), '<script>');
});

test('htmlEntityDecode', () => {
  assert.equal(t('htmlEntityDecode', '&lt;a&gt; &#x41;&#66 &quot;&amp;&nbsp;'), '<a> AB "&\xa0');
  assert.equal(t('htmlEntityDecode', '&unknown; &#;'), '&unknown; &#;');
  assert.equal(t('htmlEntityDecode', '&#x10041;'), 'A');
});

test('jsDecode, cssDecode, escapeSeqDecode', () => {
  assert.equal(t('jsDecode', '\\x41\\u0042\\uff43\\101\\n\\q'), 'ABcA\nq');
  assert.equal(t('cssDecode', 'j\\61 vascript\\3a \\\nx'), 'javascript:x');
  assert.equal(t('escapeSeqDecode', '\\x41\\n\\101\\q'), 'A\nAq');
});

test('utf8toUnicode, removeNulls, lowercase keeps bytes >= 0x80', () => {
  assert.equal(t('utf8toUnicode', Buffer.from('aé€', 'utf8').toString('latin1')), 'a%u00e9%u20ac');
  assert.equal(t('removeNulls', 'a\0b'), 'ab');
  assert.equal(t('lowercase', 'ABC\xc9'), 'abc\xc9');
});

test('cmdLine, compressWhitespace, removeWhitespace, replaceComments, removeCommentsChar', () => {
  assert.equal(t('cmdLine', 'C:\\Win"dows"  ; ,/bin ^ls ('), 'c:windows/bin ls(');
  assert.equal(t('compressWhitespace', 'a \t\n b\xa0c'), 'a b c');
  assert.equal(t('removeWhitespace', ' a \tb\xa0'), 'ab');
  assert.equal(t('replaceComments', 'a/*x*/b/*open'), 'a b ');
  assert.equal(t('removeCommentsChar', 'a/*b*/c--d#e'), 'abcde');
});

test('normalizePath, normalizePathWin', () => {
  assert.equal(t('normalizePath', '/a/./b/../../../etc//passwd'), '/etc/passwd');
  assert.equal(t('normalizePath', 'a/../../b/'), '../b/');
  assert.equal(t('normalizePathWin', 'c:\\a\\..\\b'), 'c:/b');
});

test('base64Decode, hexEncode, sha1, length', () => {
  assert.equal(t('base64Decode', 'aGVsbG8=!!'), 'hello');
  assert.equal(t('hexEncode', 'AB'), '4142');
  assert.equal(Buffer.from(t('sha1', 'abc'), 'latin1').toString('hex'), 'a9993e364706816aba3e25717850c26c9cd0d89d');
  assert.equal(t('length', 'abcd'), '4');
});
