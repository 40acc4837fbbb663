-- What tenants spend per day (tenant_spend_days) is now added by the engine's transactions, with
-- their events, just before they commit: one write per transaction, where the per-row trigger made
-- one per attempt recorded (a fan-out's 50 items: 50 upserts of the same row, about 2 ms of every
-- such commit). Attempts' usage is written only by the engine's record (engine/record.ts).
DROP TRIGGER "step_runs_spend" ON "step_runs";
DROP FUNCTION "spend_step"();
