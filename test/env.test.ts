import { describe, expect, it } from 'vitest';
import { DEFAULT_MODELS } from '../src/compiler/models.ts';
import { estimateCost } from '../src/agents/prices.ts';
import { EnvError, parseEnv } from '../src/env.ts';

describe('configuration from the environment', () => {
  it('has working defaults with nothing set', () => {
    const env = parseEnv({});
    expect(env).toMatchObject({ databaseUrl: undefined, redisUrl: undefined, port: 4000, publicUrl: 'http://localhost:4000', bodyLimit: 1_048_576, models: DEFAULT_MODELS, mcpWaitSeconds: 50 });
    expect(env.dataDir).toMatch(/\.baton$/);
    expect(env.graphqlLimits).toEqual({ maxTokens: 500, maxDepth: 15, maxAliases: 15, maxDirectives: 20, maxCost: 10_000 });
    expect(env).toMatchObject({ allowPrivateWebhooks: false, notificationTimeoutMs: 10_000, notificationRetryDelaySeconds: 15, notificationRetries: 12 });
  });

  it.each([
    [{ PORT: 'eighty' }, /PORT must be an integer/],
    [{ DATABASE_URL: 'not a url' }, /DATABASE_URL is not a valid URL/],
    [{ BATON_MODELS: '{"sonnet": 5}' }, /BATON_MODELS must map each alias/],
    [{ BATON_MODELS: 'sonnet=x' }, /BATON_MODELS must be a JSON object/],
    [{ BATON_PRICES: '{"claude-x": {"output": 1}}' }, /BATON_PRICES must be a JSON object/],
    [{ BATON_GRAPHQL_MAX_DEPTH: '0' }, /BATON_GRAPHQL_MAX_DEPTH must be an integer between 1 and 1000, got "0"/],
    [{ BATON_GRAPHQL_MAX_COST: 'lots' }, /BATON_GRAPHQL_MAX_COST must be an integer/],
    [{ BATON_MCP_WAIT_SECONDS: '3601' }, /BATON_MCP_WAIT_SECONDS must be an integer between 0 and 3600, got "3601"/],
    [{ BATON_ALLOW_PRIVATE_WEBHOOKS: 'sometimes' }, /BATON_ALLOW_PRIVATE_WEBHOOKS must be true or false/],
    [{ BATON_NOTIFICATION_TIMEOUT_MS: '50' }, /BATON_NOTIFICATION_TIMEOUT_MS must be an integer between 100 and 120000, got "50"/],
    [{ BATON_NOTIFICATION_RETRIES: '31' }, /BATON_NOTIFICATION_RETRIES must be an integer between 0 and 30/],
  ])('names the variable that is wrong: %j', (source, message) => {
    expect(() => parseEnv(source)).toThrow(EnvError);
    expect(() => parseEnv(source)).toThrow(message);
  });

  it('lets BATON_MODELS add or replace aliases and BATON_PRICES set prices by model prefix', () => {
    const env = parseEnv({ BATON_MODELS: '{"Sonnet": "claude-sonnet-4-5", "fast": "claude-haiku-4-5"}', BATON_PRICES: '{"claude-haiku-4": {"input": 2, "output": 10}}', PUBLIC_URL: 'https://baton.example.com/' });
    expect(env.models).toMatchObject({ sonnet: 'claude-sonnet-4-5', fast: 'claude-haiku-4-5', opus: DEFAULT_MODELS.opus });
    expect(env.publicUrl).toBe('https://baton.example.com');
    const usage = { tokensIn: 1_000_000, tokensOut: 1_000_000, tokensCacheRead: 0, tokensCacheWrite: 0 };
    expect(estimateCost(env.prices, 'claude-haiku-4-5', usage)).toBe(12);
    expect(estimateCost(env.prices, 'claude-haiku-5-5', usage)).toBe(6);
    expect(estimateCost(env.prices, 'offline', usage)).toBe(0);
  });
});
