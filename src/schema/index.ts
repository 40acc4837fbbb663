import { builder } from '../builder.ts';
import './tenant.ts';
import './execution-update.ts';
import './errors.ts';
import './plan.ts';
import './workflow.ts';
import './execution.ts';
import './version.ts';
import './share.ts';
import './agent.ts';
import './recipe.ts';
import './tool-server.ts';
import './quality.ts';

export const schema = builder.toSchema({ sortSchema: true });
