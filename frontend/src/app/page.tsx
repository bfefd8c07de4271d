import { redirect } from "next/navigation";
import { getSession } from "@/server/session";

export const dynamic = "force-dynamic";

export default async function Home() {
  redirect((await getSession()) ? "/tasks" : "/login");
}
