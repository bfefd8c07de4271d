"""Domain errors: each carries a message a user can act on."""


class DomainError(Exception):
    """Base class; `str(error)` is safe to show to the caller."""


class NotFound(DomainError):
    def __init__(self, kind: str, ident: object) -> None:
        super().__init__(f"{kind} {ident} not found")
        self.kind = kind
        self.ident = ident


class TaskNotFound(NotFound):
    def __init__(self, task_id: object) -> None:
        super().__init__("task", task_id)


class ConversationNotFound(NotFound):
    def __init__(self, conversation_id: object) -> None:
        super().__init__("conversation", conversation_id)


class EmailTaken(DomainError):
    def __init__(self) -> None:
        super().__init__("an account with this email already exists")
