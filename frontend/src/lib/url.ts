// The page URL as a place for view state (filters, sort, the mobile tab), so a reload keeps it.

/** Edits the current URL's query in place, without a navigation or a new history entry. */
export function replaceUrlQuery(edit: (params: URLSearchParams) => void): void {
  const params = new URLSearchParams(window.location.search);
  edit(params);
  const query = params.toString();
  const next = `${window.location.pathname}${query ? `?${query}` : ""}${window.location.hash}`;
  if (next !== `${window.location.pathname}${window.location.search}${window.location.hash}`) {
    // Next.js keeps its router in step with the native History API (useSearchParams sees it).
    window.history.replaceState(window.history.state, "", next);
  }
}
