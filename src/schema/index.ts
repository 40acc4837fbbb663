import { builder } from '../builder.ts';
import './tenant.ts';
import './execution-update.ts';

export const schema = builder.toSchema({ sortSchema: true });
