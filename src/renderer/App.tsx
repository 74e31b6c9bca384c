import { useEffect, useRef } from 'react';
import { useRoute, type Route } from './router';
import { StatusView } from './views/StatusView';
import { ActivityView } from './views/ActivityView';
import { RulesView } from './views/RulesView';
import { AccountsView } from './views/AccountsView';
import { CategoriesView } from './views/CategoriesView';
import { SettingsView } from './views/SettingsView';

const nav: { route: Route; label: string }[] = [
  { route: 'status', label: 'Status' },
  { route: 'activity', label: 'Activity' },
  { route: 'rules', label: 'Rules' },
  { route: 'categories', label: 'Categories' },
  { route: 'accounts', label: 'Accounts' },
  { route: 'settings', label: 'Settings' },
];

const titles: Record<Route, string> = {
  status: 'Status',
  activity: 'Activity',
  rules: 'Rules',
  categories: 'Categories',
  accounts: 'Accounts',
  settings: 'Settings',
};

export function App() {
  const route = useRoute();
  const heading = useRef<HTMLHeadingElement>(null);
  const first = useRef(true);
  useEffect(() => {
    document.title = `${titles[route]} — Solon`;
    // Move focus to the new screen's heading on navigation (not on first load), so keyboard
    // and screen reader users land where the content changed.
    if (first.current) first.current = false;
    else heading.current?.focus();
  }, [route]);

  return (
    <div className="app">
      <nav className="sidebar" aria-label="Sections">
        <div className="brand">Solon</div>
        <ul>
          {nav.map((n) => (
            <li key={n.route}>
              <a href={`#/${n.route}`} aria-current={route === n.route ? 'page' : undefined}>
                {n.label}
              </a>
            </li>
          ))}
        </ul>
      </nav>
      <main className="content">
        <h1 ref={heading} tabIndex={-1}>
          {titles[route]}
        </h1>
        {route === 'status' && <StatusView />}
        {route === 'activity' && <ActivityView />}
        {route === 'rules' && <RulesView />}
        {route === 'categories' && <CategoriesView />}
        {route === 'accounts' && <AccountsView />}
        {route === 'settings' && <SettingsView />}
      </main>
    </div>
  );
}
