// GraphQL over HTTP for queries and mutations, and a minimal graphql-ws client (the
// graphql-transport-ws protocol) over the browser's own WebSocket for live updates.

export const credentials = {
  key: localStorage.getItem('baton.apiKey') || '',
  tenant: localStorage.getItem('baton.tenantId') || '',
};

export async function request(query, variables = {}) {
  const response = await fetch('/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${credentials.key}`, 'x-tenant-id': credentials.tenant },
    body: JSON.stringify({ query, variables }),
  });
  const body = await response.json().catch(() => ({}));
  if (response.status === 401) throw new Error('Unauthorized: check the API key and tenant id.');
  if (body.errors?.length) throw new Error(body.errors.map((error) => error.message).join('; '));
  if (!response.ok || !body.data) throw new Error(`HTTP ${response.status}`);
  return body.data;
}

/** A mutation's typed error member (anything with a detail) becomes an exception. */
export function check(result) {
  if (result && result.detail !== undefined) throw new Error(`${result.message}: ${result.detail}`);
  return result;
}

const delayText = (ms) => (ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`);

/**
 * connection_init with the credentials, ping/pong, and every active subscription started again after
 * a reconnect with fresh variables (so executionEvents resumes from the last seq it saw). `onReady`
 * runs after every (re)connection; `onStatus(text, bad)` reports disconnections.
 */
export function connectSocket(onReady, onStatus) {
  const subscriptions = new Map();
  let socket;
  let acknowledged = false;
  let closed = false;
  let failures = 0;
  let nextId = 1;
  const send = (message) => socket.send(JSON.stringify(message));
  const start = (id, subscription) => send({ id, type: 'subscribe', payload: { query: subscription.query, variables: subscription.variables() } });
  const open = () => {
    socket = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/graphql`, 'graphql-transport-ws');
    socket.onopen = () => send({ type: 'connection_init', payload: { authorization: `Bearer ${credentials.key}`, 'x-tenant-id': credentials.tenant } });
    socket.onmessage = ({ data }) => {
      const message = JSON.parse(data);
      const subscription = subscriptions.get(message.id);
      if (message.type === 'connection_ack') {
        acknowledged = true;
        failures = 0;
        for (const [id, each] of subscriptions) start(id, each);
        onReady();
      } else if (message.type === 'ping') send({ type: 'pong' });
      else if (message.type === 'next') subscription?.next(message.payload);
      else if (message.type === 'error' || message.type === 'complete') {
        subscriptions.delete(message.id);
        subscription?.end(message.type === 'error' ? message.payload : null);
      }
    };
    socket.onclose = (event) => {
      acknowledged = false;
      if (closed) return;
      if (event.code === 4401) return onStatus('Unauthorized: check the API key and tenant id.', true);
      const delay = Math.min(10_000, 500 * 2 ** failures++);
      onStatus(`Disconnected; reconnecting in ${delayText(delay)}…`, true);
      setTimeout(() => !closed && open(), delay);
    };
  };
  open();
  return {
    /** Starts a subscription; returns a function that ends it. */
    subscribe(query, variables, next, end = () => {}) {
      const id = String(nextId++);
      const subscription = { query, variables, next, end };
      subscriptions.set(id, subscription);
      if (acknowledged) start(id, subscription);
      return () => {
        if (subscriptions.delete(id) && acknowledged) send({ id, type: 'complete' });
      };
    },
    close() {
      closed = true;
      socket.close(1000);
    },
  };
}
