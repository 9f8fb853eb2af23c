/**
 * The webview UI toolkit's elements for panels that paint their first content without it (the pairs editor): its
 * design system is a third of a megabyte of script to parse and register, so such a panel renders with the elements
 * undefined (styled by :not(:defined) rules in its CSS) and loads this bundle after its first paint
 * (components/lateBundle.ts); the elements then upgrade in place.
 */
import { provideVSCodeDesignSystem, vsCodeBadge, vsCodeButton } from '@vscode/webview-ui-toolkit';

provideVSCodeDesignSystem().register(vsCodeButton(), vsCodeBadge());
