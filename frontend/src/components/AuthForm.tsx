"use client";

import Link from "next/link";
import { useRouter } from "next/navigation";
import { useId, useState, type FormEvent } from "react";
import { apiFetch } from "@/lib/api-client";
import { validateCredentials, type CredentialErrors } from "@/lib/auth";
import { errorMessage } from "@/lib/errors";
import { Alert } from "./Alert";

export function AuthForm({ mode }: { mode: "login" | "signup" }) {
  const router = useRouter();
  const id = useId();
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [name, setName] = useState("");
  const [errors, setErrors] = useState<CredentialErrors>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const signup = mode === "signup";

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setFormError(null);
    const found = validateCredentials({ email, password, name }, mode);
    setErrors(found);
    if (Object.keys(found).length) return;
    setBusy(true);
    try {
      const body: Record<string, string> = { email: email.trim(), password };
      if (signup && name.trim()) body.name = name.trim();
      await apiFetch(signup ? "/api/auth/signup" : "/api/auth/login", { method: "POST", body });
      router.replace("/tasks");
      router.refresh();
    } catch (error) {
      setFormError(errorMessage(error));
      setBusy(false);
    }
  }

  const title = signup ? "Create your account" : "Log in";
  return (
    <main id="main" className="flex min-h-screen items-center justify-center p-4">
      <div className="w-full max-w-sm rounded-xl border border-slate-200 bg-white p-6 shadow-sm">
        <h1 className="text-2xl font-semibold">{title}</h1>
        <p className="mt-1 text-sm text-slate-600">Todo Stack — tasks with an AI assistant.</p>
        <form className="mt-6 space-y-4" onSubmit={onSubmit} noValidate aria-describedby={formError ? `${id}-error` : undefined}>
          {formError && (
            <Alert id={`${id}-error`} tone="error">
              {formError}
            </Alert>
          )}
          {signup && (
            <div>
              <label htmlFor={`${id}-name`} className="label">
                Name <span className="font-normal text-slate-500">(optional)</span>
              </label>
              <input
                id={`${id}-name`}
                className="field"
                autoComplete="name"
                value={name}
                onChange={(e) => setName(e.target.value)}
                aria-invalid={!!errors.name}
                aria-describedby={errors.name ? `${id}-name-err` : undefined}
              />
              {errors.name && (
                <p id={`${id}-name-err`} className="field-error">
                  {errors.name}
                </p>
              )}
            </div>
          )}
          <div>
            <label htmlFor={`${id}-email`} className="label">
              Email
            </label>
            <input
              id={`${id}-email`}
              type="email"
              className="field"
              autoComplete="email"
              required
              value={email}
              onChange={(e) => setEmail(e.target.value)}
              aria-invalid={!!errors.email}
              aria-describedby={errors.email ? `${id}-email-err` : undefined}
            />
            {errors.email && (
              <p id={`${id}-email-err`} className="field-error">
                {errors.email}
              </p>
            )}
          </div>
          <div>
            <label htmlFor={`${id}-password`} className="label">
              Password
            </label>
            <input
              id={`${id}-password`}
              type="password"
              className="field"
              autoComplete={signup ? "new-password" : "current-password"}
              required
              value={password}
              onChange={(e) => setPassword(e.target.value)}
              aria-invalid={!!errors.password}
              aria-describedby={errors.password ? `${id}-password-err` : undefined}
            />
            {errors.password && (
              <p id={`${id}-password-err`} className="field-error">
                {errors.password}
              </p>
            )}
          </div>
          <button type="submit" className="btn-primary w-full" disabled={busy}>
            {busy ? (signup ? "Creating account…" : "Logging in…") : signup ? "Sign up" : "Log in"}
          </button>
        </form>
        <p className="mt-4 text-sm text-slate-600">
          {signup ? "Already have an account? " : "New here? "}
          <Link href={signup ? "/login" : "/signup"} className="font-medium text-indigo-700 underline">
            {signup ? "Log in" : "Create an account"}
          </Link>
        </p>
      </div>
    </main>
  );
}
