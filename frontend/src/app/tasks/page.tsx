import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { Workspace } from "@/components/Workspace";
import { getSession } from "@/server/session";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Tasks" };

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

/**
 * Renders without calling the backend, so the page itself shows even when the backend is down;
 * the task list and chat then show the error from their route handlers. The URL's query (filters,
 * sort, the mobile tab) is handed down so the first render already shows what it asks for.
 */
export default async function TasksPage({ searchParams }: { searchParams: SearchParams }) {
  const session = await getSession();
  if (!session) redirect("/login");
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(await searchParams)) {
    if (typeof value === "string") query.set(key, value);
  }
  return <Workspace email={session.email} initialQuery={query.toString()} />;
}
