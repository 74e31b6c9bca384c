/**
 * The tray icon, as thin as it can be: trayModel() (tray-model.ts) decides icon, tooltip and
 * menu; this file hands them to Electron. Create it after app 'ready'.
 */
import {
  Menu,
  nativeImage,
  Tray,
  type MenuItemConstructorOptions,
  type NativeImage,
} from 'electron';
import { join } from 'node:path';
import type { Logger } from './core/ports.js';
import type { MenuItemSpec, TrayAction, TrayModel } from './tray-model.js';

export interface TrayOptions {
  /** Folder holding the rendered icons: build/icons in development, resources/icons packaged. */
  iconsDir: string;
  /** A menu item was chosen (a checkbox passes its new value). */
  onAction: (id: TrayAction, checked?: boolean) => void;
  /** The first model to show. */
  initial: TrayModel;
  /** Told about an icon file that is missing or unreadable (a packaging mistake). */
  log?: Pick<Logger, 'warn'>;
}

export interface SolonTray {
  /** Show a new model; unchanged parts are left alone (rebuilding an open menu flickers). */
  update(model: TrayModel): void;
  destroy(): void;
}

function toTemplate(
  spec: MenuItemSpec,
  onAction: TrayOptions['onAction'],
): MenuItemConstructorOptions {
  switch (spec.type) {
    case 'item':
      return { label: spec.label, enabled: spec.enabled, click: () => onAction(spec.id) };
    case 'checkbox':
      return {
        type: 'checkbox',
        label: spec.label,
        checked: spec.checked,
        click: (item) => onAction(spec.id, item.checked),
      };
    case 'info':
      return { label: spec.label, enabled: false };
    case 'separator':
      return { type: 'separator' };
  }
}

export function createTray(opts: TrayOptions): SolonTray {
  const images = new Map<string, NativeImage>();
  const image = (file: string): NativeImage => {
    let img = images.get(file);
    if (!img) {
      // createFromPath also loads the @2x file beside it for high-DPI screens.
      const path = join(opts.iconsDir, file);
      img = nativeImage.createFromPath(path);
      // An empty image is Electron's way of saying "no such file": the tray would be invisible.
      if (img.isEmpty()) opts.log?.warn('tray icon missing', { path });
      if (file.includes('Template')) img.setTemplateImage(true);
      images.set(file, img);
    }
    return img;
  };

  const tray = new Tray(image(opts.initial.iconFile));
  // Windows (and the few Linux panels that report clicks): a left click means "open the app",
  // the menu is on the right. On macOS any click opens the menu, as menu-bar users expect.
  if (process.platform !== 'darwin') tray.on('click', () => opts.onAction('open'));
  let shown: { iconFile: string; tooltip: string; menu: string } | undefined;

  const update = (model: TrayModel): void => {
    const menu = JSON.stringify(model.menu);
    if (shown?.iconFile !== model.iconFile) tray.setImage(image(model.iconFile));
    if (shown?.tooltip !== model.tooltip) tray.setToolTip(model.tooltip);
    // Linux (AppIndicator) only picks up menu changes through a new setContextMenu().
    if (shown?.menu !== menu)
      tray.setContextMenu(
        Menu.buildFromTemplate(model.menu.map((s) => toTemplate(s, opts.onAction))),
      );
    shown = { iconFile: model.iconFile, tooltip: model.tooltip, menu };
  };
  update(opts.initial);

  return { update, destroy: () => tray.destroy() };
}
