/** Placeholder: the categories editor lands with issue 5. */
export function CategoriesView() {
  return (
    <section className="empty" aria-label="Categories">
      <p>Categories are coming soon.</p>
    </section>
  );
}
