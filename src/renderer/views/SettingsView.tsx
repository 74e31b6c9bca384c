/** Placeholder: the settings view lands with issue 5. */
export function SettingsView() {
  return (
    <section className="empty" aria-label="Settings">
      <p>Settings are coming soon.</p>
    </section>
  );
}
