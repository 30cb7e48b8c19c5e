"""Cross-cutting helpers with no domain rules: text, phones, time, audit, jobs, scoping."""
