// Domain types used by the UI. Until the backend's OpenAPI schema is available these mirror
// docs/architecture.md ("JSON shapes"); `npm run gen:api` writes api-types.ts from the schema.
export type Priority = "low" | "medium" | "high";
export type Recurrence = "none" | "daily" | "weekly" | "monthly";
export type StatusFilter = "all" | "pending" | "completed";
export type SortField = "created" | "title" | "due_date" | "priority";
export type SortOrder = "asc" | "desc";

export interface User {
  id: string;
  email: string;
  name: string | null;
  created_at: string;
}

export interface Task {
  id: number;
  title: string;
  description: string | null;
  completed: boolean;
  priority: Priority;
  tags: string[];
  due_at: string | null;
  recurrence: Recurrence;
  created_at: string;
  updated_at: string;
  completed_at: string | null;
}

export interface TaskList {
  items: Task[];
  total: number;
  limit: number;
  offset: number;
}

/** Fields sent on create/update. */
export interface TaskInput {
  title: string;
  description: string | null;
  priority: Priority;
  tags: string[];
  due_at: string | null;
  recurrence: Recurrence;
}

export interface ToolCall {
  name: string;
  arguments: unknown;
  result: unknown;
}

export interface ChatResponse {
  conversation_id: number;
  response: string;
  tool_calls: ToolCall[];
}

export interface Conversation {
  id: number;
  title: string | null;
  created_at: string;
  updated_at: string;
}

export interface Message {
  id: number;
  role: "user" | "assistant" | "tool";
  content: string;
  tool_calls: ToolCall[] | null;
  created_at: string;
}

export const PRIORITIES: readonly Priority[] = ["low", "medium", "high"];
export const RECURRENCES: readonly Recurrence[] = ["none", "daily", "weekly", "monthly"];
