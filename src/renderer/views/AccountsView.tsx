/** Placeholder until the accounts editor lands: the screen onboarding and the tray link to. */
export function AccountsView() {
  return (
    <section className="empty" aria-label="Add an account">
      <p>Solon watches your IMAP mailboxes and sorts new mail the moment it arrives.</p>
      <p>
        Adding an account from this window is coming soon. For now, accounts are set in the config
        file.
      </p>
    </section>
  );
}
