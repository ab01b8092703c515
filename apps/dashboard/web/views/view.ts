import type { Context } from '../context.ts';

/** The parameters of the address after `#/<view>?`. */
export type Params = URLSearchParams;

/** One page of the dashboard. */
export interface View {
  title: string;
  /** Builds the view's content off screen (so a refresh never blanks it). */
  render(ctx: Context, params: Params, go: (params: Record<string, string>) => void): Promise<HTMLElement>;
  /** Whether the numbers shown can still change (today's): then the page refreshes them every minute. */
  live(ctx: Context, params: Params): boolean;
}
