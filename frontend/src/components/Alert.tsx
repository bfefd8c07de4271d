import type { ReactNode } from "react";

const TONES = {
  error: "border-red-300 bg-red-50 text-red-900",
  info: "border-sky-300 bg-sky-50 text-sky-900",
} as const;

/** An announced message box: errors use role="alert", information role="status". */
export function Alert({
  tone = "error",
  id,
  children,
  action,
}: {
  tone?: keyof typeof TONES;
  id?: string;
  children: ReactNode;
  action?: ReactNode;
}) {
  return (
    <div
      id={id}
      role={tone === "error" ? "alert" : "status"}
      className={`flex flex-wrap items-center justify-between gap-2 rounded-md border px-3 py-2 text-sm ${TONES[tone]}`}
    >
      <span>{children}</span>
      {action}
    </div>
  );
}
