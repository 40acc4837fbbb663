import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/cli/errors.ts';
import { parseInputs } from '../../src/cli/run.ts';

describe('--input', () => {
  it.each([
    [['topic=otters'], { topic: 'otters' }],
    [['budget=5000'], { budget: '5000' }],
    [['note=a=b'], { note: 'a=b' }],
    [['empty='], { empty: '' }],
    [['tags=a', 'tags=b', 'tags=c'], { tags: ['a', 'b', 'c'] }],
    [['tags:=["a","b"]', 'limit:=3', 'on:=true'], { tags: ['a', 'b'], limit: 3, on: true }],
    [['text=line one\nline two'], { text: 'line one\nline two' }],
  ])('reads %j', (given, expected) => {
    expect(parseInputs(given)).toEqual(expected);
  });

  it.each([
    [['topic'], /name=value or name:=json, not "topic"/],
    [['=x'], /not "=x"/],
    [['n:=[1,'], /--input n:= needs JSON/],
  ])('refuses %j as a usage mistake', (given, message) => {
    expect(() => parseInputs(given)).toThrow(UsageError);
    expect(() => parseInputs(given)).toThrow(message);
  });
});
