"use client";

import { useId } from "react";
import type { TaskFilters } from "@/lib/tasks";
import { PRIORITIES } from "@/lib/types";

/** Search, filters and sort. `search` is the raw search text (the list query is debounced). */
export function TaskFiltersBar({
  filters,
  search,
  onSearch,
  onChange,
  knownTags,
}: {
  filters: TaskFilters;
  search: string;
  onSearch: (value: string) => void;
  onChange: (next: TaskFilters) => void;
  knownTags: string[];
}) {
  const id = useId();
  const set = <K extends keyof TaskFilters>(key: K, value: TaskFilters[K]) => onChange({ ...filters, [key]: value });
  return (
    <div role="search" aria-label="Search and filter tasks" className="grid grid-cols-2 gap-3 lg:grid-cols-4">
      <div className="col-span-2">
        <label htmlFor={`${id}-q`} className="label">
          Search
        </label>
        <input
          id={`${id}-q`}
          type="search"
          className="field"
          placeholder="Title or description"
          value={search}
          onChange={(e) => onSearch(e.target.value)}
        />
      </div>
      <div>
        <label htmlFor={`${id}-status`} className="label">
          Status
        </label>
        <select
          id={`${id}-status`}
          className="field"
          value={filters.status}
          onChange={(e) => set("status", e.target.value as TaskFilters["status"])}
        >
          <option value="all">All</option>
          <option value="pending">Pending</option>
          <option value="completed">Completed</option>
        </select>
      </div>
      <div>
        <label htmlFor={`${id}-priority`} className="label">
          Priority
        </label>
        <select
          id={`${id}-priority`}
          className="field"
          value={filters.priority}
          onChange={(e) => set("priority", e.target.value as TaskFilters["priority"])}
        >
          <option value="">Any</option>
          {PRIORITIES.map((p) => (
            <option key={p} value={p}>
              {p[0].toUpperCase() + p.slice(1)}
            </option>
          ))}
        </select>
      </div>
      <div>
        <label htmlFor={`${id}-tag`} className="label">
          Tag
        </label>
        <input
          id={`${id}-tag`}
          className="field"
          list={`${id}-tags`}
          placeholder="Any"
          value={filters.tag}
          onChange={(e) => set("tag", e.target.value)}
        />
        <datalist id={`${id}-tags`}>
          {knownTags.map((t) => (
            <option key={t} value={t} />
          ))}
        </datalist>
      </div>
      <div>
        <label htmlFor={`${id}-sort`} className="label">
          Sort by
        </label>
        <select
          id={`${id}-sort`}
          className="field"
          value={filters.sort}
          onChange={(e) => set("sort", e.target.value as TaskFilters["sort"])}
        >
          <option value="created">Created</option>
          <option value="title">Title</option>
          <option value="due_date">Due date</option>
          <option value="priority">Priority</option>
        </select>
      </div>
      <div>
        <label htmlFor={`${id}-order`} className="label">
          Order
        </label>
        <select
          id={`${id}-order`}
          className="field"
          value={filters.order}
          onChange={(e) => set("order", e.target.value as TaskFilters["order"])}
        >
          <option value="asc">Ascending</option>
          <option value="desc">Descending</option>
        </select>
      </div>
    </div>
  );
}
