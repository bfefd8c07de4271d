"use client";

export default function ErrorPage({ reset }: { error: Error; reset: () => void }) {
  return (
    <main id="main" className="mx-auto max-w-lg p-6">
      <div role="alert" className="rounded-lg border border-red-300 bg-red-50 p-4 text-red-900">
        <h1 className="text-lg font-semibold">Something went wrong</h1>
        <p className="mt-1 text-sm">The page could not be shown. Please try again in a moment.</p>
        <button type="button" className="btn-secondary mt-3" onClick={reset}>
          Try again
        </button>
      </div>
    </main>
  );
}
