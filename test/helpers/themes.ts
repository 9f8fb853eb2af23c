/** A subset of the CSS variables VS Code sets on webview bodies, for light, dark and high-contrast test pages. */
export type ThemeName = 'light' | 'dark' | 'hc';

const base = {
  'font-family': 'system-ui, sans-serif',
  'font-size': '13px',
  'editor-font-family': 'monospace',
};

const themes: Record<ThemeName, Record<string, string>> = {
  dark: {
    foreground: '#cccccc', 'editor-background': '#1e1e1e', 'editor-foreground': '#d4d4d4', descriptionForeground: '#9d9d9d',
    errorForeground: '#f48771', focusBorder: '#007fd4', 'button-background': '#0e639c', 'button-foreground': '#ffffff',
    'button-hoverBackground': '#1177bb', 'input-background': '#3c3c3c', 'input-foreground': '#cccccc', 'input-border': '#3c3c3c',
    'panel-border': '#80808059', 'list-hoverBackground': '#2a2d2e', 'list-activeSelectionBackground': '#04395e',
    'badge-background': '#4d4d4d', 'badge-foreground': '#ffffff', 'progressBar-background': '#0e70c0',
    'charts-blue': '#3794ff', 'charts-red': '#f14c4c', 'charts-green': '#89d185', 'charts-yellow': '#cca700', 'charts-orange': '#d18616', 'charts-purple': '#b180d7',
    'diffEditor-insertedTextBackground': '#9ccc2c33', 'diffEditor-removedTextBackground': '#ff000033',
    'textLink-foreground': '#3794ff', 'widget-shadow': '#0000005c', 'contrastBorder': 'transparent', 'contrastActiveBorder': 'transparent',
    'dropdown-background': '#3c3c3c', 'dropdown-foreground': '#f0f0f0', 'dropdown-border': '#3c3c3c', 'button-secondaryBackground': '#3a3d41', 'button-secondaryForeground': '#ffffff', 'button-secondaryHoverBackground': '#45494e', 'checkbox-background': '#3c3c3c', 'checkbox-border': '#3c3c3c', 'checkbox-foreground': '#f0f0f0', 'input-placeholderForeground': '#a6a6a6', 'list-activeSelectionForeground': '#ffffff',
  },
  light: {
    foreground: '#616161', 'editor-background': '#ffffff', 'editor-foreground': '#000000', descriptionForeground: '#717171',
    errorForeground: '#a1260d', focusBorder: '#0090f1', 'button-background': '#007acc', 'button-foreground': '#ffffff',
    'button-hoverBackground': '#0062a3', 'input-background': '#ffffff', 'input-foreground': '#616161', 'input-border': '#cecece',
    'panel-border': '#80808059', 'list-hoverBackground': '#e8e8e8', 'list-activeSelectionBackground': '#0060c0',
    'badge-background': '#c4c4c4', 'badge-foreground': '#333333', 'progressBar-background': '#0e70c0',
    'charts-blue': '#1a85ff', 'charts-red': '#e51400', 'charts-green': '#388a34', 'charts-yellow': '#bf8803', 'charts-orange': '#d18616', 'charts-purple': '#652d90',
    'diffEditor-insertedTextBackground': '#9ccc2c40', 'diffEditor-removedTextBackground': '#ff000033',
    'textLink-foreground': '#006ab1', 'widget-shadow': '#00000029', 'contrastBorder': 'transparent', 'contrastActiveBorder': 'transparent',
    'dropdown-background': '#ffffff', 'dropdown-foreground': '#616161', 'dropdown-border': '#cecece', 'button-secondaryBackground': '#5f6a79', 'button-secondaryForeground': '#ffffff', 'button-secondaryHoverBackground': '#4c5561', 'checkbox-background': '#ffffff', 'checkbox-border': '#919191', 'checkbox-foreground': '#616161', 'input-placeholderForeground': '#767676', 'list-activeSelectionForeground': '#ffffff',
  },
  hc: {
    foreground: '#ffffff', 'editor-background': '#000000', 'editor-foreground': '#ffffff', descriptionForeground: '#ffffff',
    errorForeground: '#f48771', focusBorder: '#f38518', 'button-background': '#000000', 'button-foreground': '#ffffff',
    'button-hoverBackground': '#000000', 'input-background': '#000000', 'input-foreground': '#ffffff', 'input-border': '#6fc3df',
    'panel-border': '#6fc3df', 'list-hoverBackground': '#000000', 'list-activeSelectionBackground': '#000000',
    'badge-background': '#000000', 'badge-foreground': '#ffffff', 'progressBar-background': '#6fc3df',
    'charts-blue': '#3794ff', 'charts-red': '#f14c4c', 'charts-green': '#89d185', 'charts-yellow': '#ffd700', 'charts-orange': '#d18616', 'charts-purple': '#b180d7',
    'diffEditor-insertedTextBackground': 'transparent', 'diffEditor-removedTextBackground': 'transparent',
    'textLink-foreground': '#21a6ff', 'widget-shadow': 'transparent', 'contrastBorder': '#6fc3df', 'contrastActiveBorder': '#f38518',
    'dropdown-background': '#000000', 'dropdown-foreground': '#ffffff', 'dropdown-border': '#6fc3df', 'button-secondaryBackground': '#000000', 'button-secondaryForeground': '#ffffff', 'button-secondaryHoverBackground': '#000000', 'checkbox-background': '#000000', 'checkbox-border': '#6fc3df', 'checkbox-foreground': '#ffffff', 'input-placeholderForeground': '#7a7a7a', 'list-activeSelectionForeground': '#ffffff',
  },
};

export function themeCss(name: ThemeName): string {
  const vars = { ...base, ...themes[name] };
  return `:root{${Object.entries(vars).map(([k, v]) => `--vscode-${k}:${v};`).join('')}}`;
}
