/**
 * The HTML shell of every webview: strict CSP with a per-load nonce, assets only through asWebviewUri, scripts only
 * from the built webview folder. Panels pass their bundle name (dist/webview/<name>.js).
 */
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import { contentSecurityPolicy } from './csp';

export function webviewOptions(extensionUri: vscode.Uri): vscode.WebviewOptions & vscode.WebviewPanelOptions {
  return {
    enableScripts: true,
    localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'dist', 'webview'), vscode.Uri.joinPath(extensionUri, 'media')],
  };
}

export function nonce(): string {
  return randomBytes(18).toString('base64').replace(/[^A-Za-z0-9]/g, '');
}

export function webviewHtml(webview: vscode.Webview, extensionUri: vscode.Uri, bundle: string, title: string): string {
  const n = nonce();
  const asset = (...p: string[]): string => webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, ...p)).toString();
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${contentSecurityPolicy(webview.cspSource, n)}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${asset('dist', 'webview', 'webview.css')}">
<link rel="stylesheet" href="${asset('dist', 'webview', `${bundle}.css`)}">
<title>${title.replace(/[<>&"]/g, '')}</title>
</head>
<body>
<div id="root"></div>
<script nonce="${n}" src="${asset('dist', 'webview', `${bundle}.js`)}"></script>
</body>
</html>`;
}
