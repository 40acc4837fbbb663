import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.ts';
import { watchExecutions } from '../support/executions.ts';
import { FakeAnthropic } from '../support/fake-anthropic.ts';
import { rest } from '../support/rest.ts';
import { createWorkflowId, startExecutionId } from '../support/runs.ts';

const workflow = (type: string) => `# Shared ${type}
## Agents
### Writer
Writes.
Model: Haiku
## Steps
### Final
Agent: Writer
Write.
## Output
Type: ${type}
steps.final.output
`;

// Payloads a model (or a prompt injection through one) could put in an output.
const HOSTILE = [
  '# Findings',
  'Some **bold** text and a [safe link](https://example.com/a).',
  '<script>alert("script")</script>',
  '<img src="x" onerror="alert(\'img\')">',
  '[click me](javascript:alert("md-link"))',
  '<a href="javascript:alert(\'a\')">anchor</a>',
  '<a href="JaVaScRiPt:alert(1)">mixed case</a>',
  '<svg onload="alert(\'svg\')"><circle r="4"/></svg>',
  '<iframe src="https://evil.example"></iframe>',
  '<div style="background:url(javascript:alert(1))" onclick="alert(2)">styled</div>',
  '<form action="https://evil.example"><button formaction="javascript:alert(3)">go</button></form>',
  '![pixel](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)',
].join('\n\n');

/** Markup that could run or load something; the hostile text itself may remain, shown as text. */
const UNSAFE = /<(script|iframe|svg|form|button|object|embed|style)|\son\w+\s*=|(href|src|action)\s*=\s*["']?\s*(javascript|data):|style\s*=/i;

const fake = new FakeAnthropic();
let t: TestApp;
beforeAll(async () => {
  await fake.start();
  fake.reply = () => ({ text: HOSTILE });
  t = await startTestApp({ env: { ANTHROPIC_API_KEY: 'sk-test', ANTHROPIC_BASE_URL: fake.url } });
});
afterAll(async () => {
  await t.stop();
  await fake.close();
});

async function sharedPath(type: string): Promise<string> {
  const watch = await watchExecutions(t);
  const id = await startExecutionId(t, await createWorkflowId(t, workflow(type)));
  await watch.until(id, ['completed']);
  await watch.stop();
  return new URL((await rest(t, 'POST', `/executions/${id}/share`)).body.share_url).pathname;
}

describe('the public page of a share link', () => {
  it('renders markdown as HTML with every script, handler and javascript: URL made inert', async () => {
    const response = await fetch(`${t.url}${await sharedPath('markdown')}`);
    expect(response.status).toBe(200);
    const html = await response.text();
    expect(html).toContain('<h1>Findings</h1>');
    expect(html).toContain('<strong>bold</strong>');
    expect(html).toContain('<a href="https://example.com/a" rel="nofollow noopener noreferrer">safe link</a>');
    const body = html.slice(html.indexOf('<article>'));
    expect(body).not.toMatch(UNSAFE);
    expect(body).toContain('<p>[click me](javascript:alert("md-link"))</p>');
    // Nothing runs even if something slipped through: the page allows no script at all.
    expect(response.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(response.headers.get('content-security-policy')).not.toContain('script-src');
  });

  it('sanitizes HTML outputs the same way', async () => {
    const html = await (await fetch(`${t.url}${await sharedPath('html')}`)).text();
    const body = html.slice(html.indexOf('<article>'));
    expect(body).toContain('anchor');
    expect(body).not.toMatch(UNSAFE);
  });

  it('serves the raw markdown with Accept: text/markdown or ?raw=1', async () => {
    const path = await sharedPath('markdown');
    const accept = await fetch(`${t.url}${path}`, { headers: { accept: 'text/markdown' } });
    expect(accept.headers.get('content-type')).toBe('text/markdown; charset=utf-8');
    expect(await accept.text()).toBe(HOSTILE);
    const raw = await fetch(`${t.url}${path}?raw=1`);
    expect(await raw.text()).toBe(HOSTILE);
  });

  it('answers 404 for a slug that was never issued, without credentials needed for real ones', async () => {
    const missing = await fetch(`${t.url}/s/0000000000000000000000000`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ error: 'Not found', detail: 'This link does not exist or was revoked' });
  });
});
