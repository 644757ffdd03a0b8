// A virtual X display for the few tests that need real keyboard input: Chromium only runs an
// extension's keyboard commands for key presses that come from the window system.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';

export function hasVirtualDisplayTools(): boolean {
  const has = (bin: string) => {
    try {
      execFileSync('sh', ['-c', `command -v ${bin}`], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  };
  return has('Xvfb') && has('xdotool');
}

export interface VirtualDisplay {
  display: string;
  /** Sends a key combination (xdotool syntax, e.g. "alt+shift+e") to the focused Chromium window. */
  pressKeys(keys: string): void;
  /** Right-clicks at `x`, `y` (pixels from the top left of the newest Chromium window), opening the page's context menu. */
  rightClick(x: number, y: number): void;
  /** Sends key presses (xdotool names, e.g. "Up") to whatever has the keyboard, such as an open menu. */
  typeKeys(...keys: string[]): void;
  close(): Promise<void>;
}

export async function startVirtualDisplay(): Promise<VirtualDisplay> {
  let number = 90 + Math.floor(Math.random() * 400);
  while (existsSync(`/tmp/.X11-unix/X${number}`) || existsSync(`/tmp/.X${number}-lock`)) number++;
  const display = `:${number}`;
  const xvfb: ChildProcess = spawn('Xvfb', [display, '-screen', '0', '1400x900x24', '-nolisten', 'tcp'], { stdio: 'ignore' });
  for (let i = 0; i < 50 && !existsSync(`/tmp/.X11-unix/X${number}`); i++) await new Promise((r) => setTimeout(r, 100));
  if (!existsSync(`/tmp/.X11-unix/X${number}`)) throw new Error(`Xvfb did not start on ${display}`);
  const env = { ...process.env, DISPLAY: display };
  const newestWindow = () => {
    const windows = execFileSync('xdotool', ['search', '--onlyvisible', '--class', 'chromium'], { env }).toString().trim().split('\n');
    const window = windows[windows.length - 1]!;
    execFileSync('xdotool', ['windowfocus', '--sync', window], { env });
    return window;
  };
  return {
    display,
    pressKeys(keys) {
      newestWindow();
      execFileSync('xdotool', ['key', '--clearmodifiers', keys], { env });
    },
    rightClick(x, y) {
      const window = newestWindow();
      execFileSync('xdotool', ['mousemove', '--window', window, '--sync', String(x), String(y), 'click', '3'], { env });
    },
    typeKeys(...keys) {
      for (const key of keys) execFileSync('xdotool', ['key', '--delay', '120', key], { env });
    },
    async close() {
      xvfb.kill();
      await new Promise((r) => xvfb.once('exit', r));
    },
  };
}
