import type { Logger } from '@mm/config';

/** What the middleware puts on every request's context for the routes and the error handler. */
export interface AppEnv {
  Variables: {
    /** The caller's `X-Request-Id` when it is sane, else a fresh UUID; echoed on the response. */
    requestId: string;
    /** The process logger bound to this request's id. */
    logger: Logger;
  };
}
