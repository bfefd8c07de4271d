import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { Workspace } from "@/components/Workspace";
import { getSession } from "@/server/session";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Tasks" };

/**
 * Renders without calling the backend, so the page itself shows even when the backend is down;
 * the task list and chat then show the error from their route handlers.
 */
export default async function TasksPage() {
  const session = await getSession();
  if (!session) redirect("/login");
  return <Workspace email={session.email} />;
}
