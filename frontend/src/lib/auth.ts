// Client-side checks for the login and sign-up forms (the backend checks again).
export interface Credentials {
  email: string;
  password: string;
  name?: string;
}

export type CredentialErrors = Partial<Record<keyof Credentials, string>>;

export const PASSWORD_MIN = 8;
const EMAIL_RE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export function validateCredentials(input: Credentials, mode: "login" | "signup"): CredentialErrors {
  const errors: CredentialErrors = {};
  const email = input.email.trim();
  if (!email) errors.email = "Email is required.";
  else if (!EMAIL_RE.test(email)) errors.email = "Enter a valid email address.";

  if (!input.password) errors.password = "Password is required.";
  else if (mode === "signup" && input.password.length < PASSWORD_MIN) {
    errors.password = `Password must be at least ${PASSWORD_MIN} characters.`;
  }

  if (mode === "signup" && input.name && input.name.trim().length > 100) {
    errors.name = "Name must be at most 100 characters.";
  }
  return errors;
}
