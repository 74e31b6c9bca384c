/**
 * What the classifier sees of one message: cheap IMAP facts (envelope, flags, size,
 * BODYSTRUCTURE) plus what mailparser made of a bounded prefix of the source.
 */
export interface Address {
  name: string;
  address: string;
}

export interface AttachmentFact {
  filename: string | undefined;
  /** Lower-case MIME type, e.g. "application/pdf". */
  contentType: string;
  size: number;
}

export interface MessageView {
  uid: number;
  /** Message-ID header without angle brackets, or undefined when absent. */
  messageId: string | undefined;
  from: Address[];
  to: Address[];
  cc: Address[];
  subject: string;
  date: Date | undefined;
  /** RFC822.SIZE from the server (the whole message, not the prefix). */
  size: number;
  flags: string[];
  /** Header lines, lower-case name → decoded values (one entry per occurrence). */
  headers: Map<string, string[]>;
  /** Plain text of the body (text/plain, or text derived from HTML), capped. */
  text: string;
  attachments: AttachmentFact[];
  /** True when only a prefix of the source was fetched, so body text may be cut short. */
  truncated: boolean;
  /** Set when the message could not be parsed; rules still see the envelope facts. */
  parseError?: string;
}
