// Turns backend/route-handler error bodies into one sentence a person can act on.
// Used by the route handlers (server) and by the browser client, so both say the same thing.

export interface ValidationIssue {
  loc?: Array<string | number>;
  msg?: string;
  type?: string;
}

export class ApiError extends Error {
  readonly status: number;

  constructor(status: number, message: string) {
    super(message);
    this.name = "ApiError";
    this.status = status;
  }
}

export const UNREACHABLE_MESSAGE =
  "The task service is unreachable right now. It may be starting up or down — please try again in a moment.";
export const TIMEOUT_MESSAGE = "The task service took too long to answer. Please try again.";
export const NETWORK_MESSAGE =
  "Cannot reach the Todo app server. Check your connection and try again.";
export const SESSION_EXPIRED_MESSAGE = "Your session has ended. Please log in again.";

const LOCATION_PREFIXES = new Set(["body", "query", "path", "header", "cookie"]);

/** "body.due_at" style location -> "due_at"; an empty string when there is no field. */
export function fieldFromLoc(loc: ValidationIssue["loc"]): string {
  if (!Array.isArray(loc)) return "";
  const parts = loc.filter((p) => !(typeof p === "string" && LOCATION_PREFIXES.has(p)));
  return parts.map(String).join(".");
}

function cleanMsg(msg: string): string {
  // pydantic prefixes custom validator messages with "Value error, ".
  return msg.replace(/^Value error,\s*/i, "").trim();
}

export function describeValidationIssues(issues: ValidationIssue[]): string {
  const parts = issues
    .map((issue) => {
      const msg = cleanMsg(typeof issue.msg === "string" ? issue.msg : "is invalid");
      const field = fieldFromLoc(issue.loc);
      return field ? `${field}: ${msg}` : msg;
    })
    .filter(Boolean);
  return parts.length ? parts.join("; ") : "Some fields are invalid.";
}

export function defaultMessageForStatus(status: number): string {
  if (status === 0) return NETWORK_MESSAGE;
  if (status === 400) return "The request was not valid.";
  if (status === 401) return SESSION_EXPIRED_MESSAGE;
  if (status === 403) return "You do not have access to that.";
  if (status === 404) return "That item was not found. It may have been deleted.";
  if (status === 409) return "That conflicts with existing data.";
  if (status === 422) return "Some fields are invalid.";
  if (status === 429) return "Too many requests. Please wait a moment and try again.";
  if (status === 502 || status === 503) return UNREACHABLE_MESSAGE;
  if (status === 504) return TIMEOUT_MESSAGE;
  if (status >= 500) return `The server had a problem (error ${status}). Please try again.`;
  return `Request failed (error ${status}).`;
}

/** The readable message for an error response body (`{detail: string}` or FastAPI's 422 list). */
export function messageFromBody(body: unknown, status: number): string {
  if (body && typeof body === "object" && "detail" in body) {
    const detail = (body as { detail: unknown }).detail;
    if (typeof detail === "string" && detail.trim()) return detail.trim();
    if (Array.isArray(detail)) return describeValidationIssues(detail as ValidationIssue[]);
    if (detail && typeof detail === "object" && "msg" in detail) {
      return describeValidationIssues([detail as ValidationIssue]);
    }
  }
  if (body && typeof body === "object" && "message" in body) {
    const message = (body as { message: unknown }).message;
    if (typeof message === "string" && message.trim()) return message.trim();
  }
  return defaultMessageForStatus(status);
}

export function errorMessage(error: unknown): string {
  if (error instanceof ApiError) return error.message;
  if (error instanceof Error && error.message) return error.message;
  return "Something went wrong. Please try again.";
}
