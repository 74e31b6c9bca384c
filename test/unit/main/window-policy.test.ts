import { describe, expect, it } from 'vitest';
import {
  CONTENT_SECURITY_POLICY,
  isAllowedNavigation,
  isSafeExternalUrl,
  secureWebPreferences,
} from '../../../src/main/window-policy.js';
import { isExternalUrl } from '../../../src/shared/contract.js';

describe('window security policy', () => {
  it('webPreferences: isolated, sandboxed, no Node in the renderer', () => {
    const p = secureWebPreferences('/app/preload.js');
    expect(p).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      webviewTag: false,
      allowRunningInsecureContent: false,
    });
  });

  it('CSP allows only our own scripts and styles, no inline, no objects, no framing', () => {
    expect(CONTENT_SECURITY_POLICY).toContain("script-src 'self'");
    expect(CONTENT_SECURITY_POLICY).toContain("object-src 'none'");
    expect(CONTENT_SECURITY_POLICY).toContain("frame-ancestors 'none'");
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/unsafe-(inline|eval)/);
  });

  it('external links: the same test the contract applies (its table is in contract.test.ts)', () => {
    expect(isSafeExternalUrl).toBe(isExternalUrl);
  });

  const app = 'file:///opt/Solon/resources/app/out/renderer/index.html';
  it.each([
    [app, app, true],
    [`${app}#/rules`, app, true],
    ['file:///tmp/evil.html', app, false],
    ['https://example.org/', 'http://localhost:5173/', false],
    ['http://localhost:5173/', 'http://localhost:5173/', true],
  ])('navigation to %s from %s → %s', (target, from, ok) => {
    expect(isAllowedNavigation(target, from)).toBe(ok);
  });
});
