"""The program: configuration, composition root, CLI, jobs, the outbox sender and the sandbox."""
