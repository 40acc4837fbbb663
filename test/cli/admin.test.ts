import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { graphql } from '../../src/generated/graphql/gql.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { cleanEnv, runBaton } from '../support/process.ts';

const CliViewer = graphql(`
  query CliViewer {
    viewer {
      role
      tenant {
        id
        name
      }
    }
  }
`);

let t: TestApp;
let env: NodeJS.ProcessEnv;
beforeAll(async () => {
  t = await startTestApp();
  env = cleanEnv({ DATABASE_URL: t.databaseUrl });
});
afterAll(() => t.stop());

// Each command is a Node process loading Baton's TypeScript: seconds each on a busy 2-core machine.
describe('the baton command', { timeout: 90_000 }, () => {
  it('creates a tenant whose printed key answers the API', async () => {
    const { code, output } = await runBaton(['tenant', 'create', 'Acme Corp', '--json'], env);
    expect(code).toBe(0);
    const created = JSON.parse(output) as { tenant_id: string; name: string; api_key: string };
    expect(created).toEqual({ tenant_id: expect.stringMatching(/^ten_/), name: 'Acme Corp', api_key: expect.stringMatching(/^bt_/) });
    const answer = await t.request(CliViewer, undefined, { authorization: `Bearer ${created.api_key}`, 'x-tenant-id': created.tenant_id });
    expect(answer.body.data?.viewer).toEqual({ role: 'MEMBER', tenant: { id: created.tenant_id, name: 'Acme Corp' } });
  });

  it("sets a tenant's budget and call limit, prints them with today's spend, and names a bad limit", async () => {
    const { code, output } = await runBaton(['tenant', 'limits', t.tenant.tenantId, '--usd-per-day', '2.5', '--tokens-per-day', '100000', '--max-calls', '4', '--json'], env);
    expect(code).toBe(0);
    expect(JSON.parse(output)).toEqual({ tenant_id: t.tenant.tenantId, budget: { usd_per_day: 2.5, usd_per_month: null, tokens_per_day: 100000 }, max_concurrent_calls: 4, spent_today: { usd: 0, tokens: 0 } });
    const shown = await runBaton(['tenant', 'limits', t.tenant.tenantId], env);
    expect(shown.output).toMatch(/per day\s+2\.5 USD, 100000 tokens/);
    expect(shown.output).toMatch(/at once\s+4 model calls/);
    const bad = await runBaton(['tenant', 'limits', t.tenant.tenantId, '--usd-per-month=-3'], env);
    expect(bad.code).toBe(2);
    expect(bad.output).toMatch(/budget\.usdPerMonth must be above 0, not -3/);
    const lifted = await runBaton(['tenant', 'limits', t.tenant.tenantId, '--usd-per-month', '40', '--json'], env);
    expect(JSON.parse(lifted.output).budget).toEqual({ usd_per_day: null, usd_per_month: 40, tokens_per_day: null });
  });

  it('creates an admin key with --role admin, and refuses another role', async () => {
    const { code, output } = await runBaton(['key', 'create', '--tenant', t.tenant.tenantId, '--role', 'admin', '--json'], env);
    expect(code).toBe(0);
    const { api_key: key, role } = JSON.parse(output) as { api_key: string; role: string };
    expect(role).toBe('admin');
    const answer = await t.request(CliViewer, undefined, { authorization: `Bearer ${key}`, 'x-tenant-id': t.tenant.tenantId });
    expect(answer.body.data?.viewer.role).toBe('ADMIN');
    const wrong = await runBaton(['key', 'create', '--tenant', t.tenant.tenantId, '--role', 'owner'], env);
    expect(wrong.code).not.toBe(0);
    expect(wrong.output).toMatch(/--role must be admin or member, not "owner"/);
  });

  it('creates another key for an existing tenant, and both work', async () => {
    const { code, output } = await runBaton(['key', 'create', '--tenant', t.tenant.tenantId, '--json'], env);
    expect(code).toBe(0);
    const { api_key: key, key_id: keyId } = JSON.parse(output) as { api_key: string; key_id: string };
    expect(key).not.toBe(t.tenant.apiKey);
    const headers = { authorization: `Bearer ${key}`, 'x-tenant-id': t.tenant.tenantId };
    expect((await t.request(CliViewer, undefined, headers)).status).toBe(200);

    const listed = await runBaton(['key', 'list', '--tenant', t.tenant.tenantId, '--json'], env);
    expect((JSON.parse(listed.output) as { key_id: string; role: string; revoked_at: string | null }[]).find((k) => k.key_id === keyId)).toMatchObject({ role: 'member', revoked_at: null });
    // The key as printed names its id: revoking by either works.
    expect((await runBaton(['key', 'revoke', key], env)).code).toBe(0);
    expect((await t.request(CliViewer, undefined, headers)).status).toBe(401);
    expect((await t.request(CliViewer)).status).toBe(200);
    const after = await runBaton(['key', 'list', '--tenant', t.tenant.tenantId], env);
    expect(after.output).toMatch(new RegExp(`${keyId}  member  created \\S+  revoked \\S+`));
  });

  it('compiles a file, printing notes as file:line:column and exiting 1 when invalid', async () => {
    const invalid = new URL('../fixtures/workflows/invalid/unknown-references.md', import.meta.url).pathname;
    const { code, output } = await runBaton(['compile', invalid], cleanEnv());
    expect(code).toBe(1);
    expect(output).toContain(`${invalid}:12:8 error UNKNOWN_AGENT No agent is named \`Wroker\`. Did you mean \`Worker\`?`);
    expect(output).toContain(`${invalid}:18:7 error UNKNOWN_STEP`);
    expect(output).toContain(`${invalid}: 3 errors`);

    const valid = new URL('../../docs/examples/workflows/company-briefs.md', import.meta.url).pathname;
    const json = await runBaton(['compile', valid, '--json'], cleanEnv());
    expect(json.code).toBe(0);
    const result = JSON.parse(json.output) as { valid: boolean; plan: { steps: { id: string }[] } };
    expect(result.valid).toBe(true);
    expect(result.plan.steps.map((s) => s.id)).toEqual(['plan', 'brief', 'overview']);
  });

  it.each([
    [['compile', '/no/such/file.md'], /cannot read \/no\/such\/file.md: ENOENT/],
    [['key', 'create', '--tenant', 'ten_missing'], /no tenant with id ten_missing/],
    [['tenant', 'create'], /needs a name/],
    [['serve', '--role', 'chef'], /--role must be api, worker or all/],
    [['frobnicate'], /unknown command: frobnicate/],
    [['serve', '--colour'], /Unknown option '--colour'/],
  ])('exits 2 with one clear line for %j', async (args, message) => {
    const { code, output } = await runBaton(args, env);
    expect(code).toBe(2);
    expect(output).toMatch(message);
    expect(output.trim().split('\n')).toHaveLength(1);
    expect(output).toContain('(baton --help shows every command)');
  });

  it('prints its version, and the usage on --help', async () => {
    const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    expect(await runBaton(['--version'], env)).toMatchObject({ code: 0, output: `baton ${version}\n` });
    const help = await runBaton(['--help'], env);
    expect(help.code).toBe(0);
    expect(help.output).toContain('baton key list --tenant <id>');
  });
});
