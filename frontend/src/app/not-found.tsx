import Link from "next/link";

export default function NotFound() {
  return (
    <main id="main" className="mx-auto max-w-lg p-6">
      <h1 className="text-lg font-semibold">Page not found</h1>
      <p className="mt-1 text-sm text-slate-600">
        <Link href="/tasks" className="text-indigo-700 underline">
          Go to your tasks
        </Link>
      </p>
    </main>
  );
}
