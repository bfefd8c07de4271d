import { describe, expect, it } from "vitest";
import { validateCredentials } from "@/lib/auth";

describe("validateCredentials", () => {
  it("requires email and password", () => {
    expect(validateCredentials({ email: "", password: "" }, "login")).toEqual({
      email: "Email is required.",
      password: "Password is required.",
    });
  });
  it("checks the email shape", () => {
    expect(validateCredentials({ email: "nope", password: "x" }, "login").email).toMatch(/valid email/);
  });
  it("asks for a longer password only on sign-up", () => {
    expect(validateCredentials({ email: "a@b.co", password: "short" }, "login")).toEqual({});
    expect(validateCredentials({ email: "a@b.co", password: "short" }, "signup").password).toMatch(/at least 8/);
    expect(validateCredentials({ email: "a@b.co", password: "long enough" }, "signup")).toEqual({});
  });
});
