import { describe, expect, it } from "vitest";
import {
  ApiError,
  SESSION_EXPIRED_MESSAGE,
  UNREACHABLE_MESSAGE,
  errorMessage,
  fieldFromLoc,
  messageFromBody,
} from "@/lib/errors";

describe("messageFromBody", () => {
  it("uses a string detail as is", () => {
    expect(messageFromBody({ detail: "Email already registered" }, 409)).toBe("Email already registered");
  });

  it("names the field of each FastAPI validation issue", () => {
    const body = {
      detail: [
        { loc: ["body", "title"], msg: "String should have at least 1 character", type: "string_too_short" },
        { loc: ["body", "tags", 3], msg: "Value error, tag too long", type: "value_error" },
      ],
    };
    expect(messageFromBody(body, 422)).toBe(
      "title: String should have at least 1 character; tags.3: tag too long",
    );
  });

  it("handles a validation issue without a field", () => {
    expect(messageFromBody({ detail: [{ loc: ["body"], msg: "Field required" }] }, 422)).toBe("Field required");
  });

  it("falls back to a message for the status when the body has none", () => {
    expect(messageFromBody(null, 401)).toBe(SESSION_EXPIRED_MESSAGE);
    expect(messageFromBody("<html>", 503)).toBe(UNREACHABLE_MESSAGE);
    expect(messageFromBody({}, 500)).toMatch(/server had a problem \(error 500\)/);
    expect(messageFromBody({ detail: "" }, 404)).toMatch(/not found/i);
  });
});

describe("fieldFromLoc", () => {
  it("drops the location prefix", () => {
    expect(fieldFromLoc(["query", "limit"])).toBe("limit");
    expect(fieldFromLoc(undefined)).toBe("");
  });
});

describe("errorMessage", () => {
  it("prefers ApiError messages and never returns an empty string", () => {
    expect(errorMessage(new ApiError(503, "down"))).toBe("down");
    expect(errorMessage(new Error("boom"))).toBe("boom");
    expect(errorMessage(42)).toMatch(/something went wrong/i);
  });
});
