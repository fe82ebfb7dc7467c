/**
 * The panels' own error page: every refusal or failure is an HTML page in the viewer's
 * language (the browser's when no session was established), with the same headers as any
 * panel; never a stack trace or SQL.
 */
import type { ErrorRequestHandler, RequestHandler } from 'express';
import { NotFoundError } from '../domain/errors';
import { asKpiError, httpStatus } from '../http/errors';
import { localeFromAcceptLanguage, t } from '../i18n/i18n';
import { errorText } from './forms';
import type { PanelKit } from './kit';
import { has, maybeSessionOf, send } from './session';

export const panelNotFound: RequestHandler = (_req, _res, next) => next(new NotFoundError());

export function panelErrorPage(kit: PanelKit): ErrorRequestHandler {
  return (err, req, res, _next) => {
    const e = asKpiError(err, kit.deps.log);
    const status = httpStatus(e);
    if (res.headersSent) return;
    const s = maybeSessionOf(req);
    const l = s?.locale ?? localeFromAcceptLanguage(req.get('accept-language'));
    let heading: string;
    let message: string;
    switch (status) {
      case 401: heading = t(l, 'error.401.title'); message = t(l, 'error.401.text'); break;
      case 403: heading = t(l, 'error.403.title'); message = e.code === 'csrf_failed' ? t(l, 'error.csrf') : t(l, 'error.403.text'); break;
      case 404: heading = t(l, 'error.404.title'); message = t(l, 'error.404.text'); break;
      case 400: case 409: case 413: heading = t(l, 'error.400.title'); message = errorText(l, e); break;
      default: heading = t(l, 'error.500.title'); message = t(l, 'error.500.text');
    }
    const origins = s?.settings.hostOrigins ?? [];
    send(res, status, origins, (nonce) => kit.views.render('error', {
      locale: l, nonce, title: heading, panelId: 'error', user: s ? { name: s.principal.name, id: s.principal.userId } : null,
      nav: s ? kit.nav(s, 'error', has(s, 'leader') ? s.principal.unit : null) : [], notice: null, error: null, timeZone: s?.settings.timeZone ?? 'Asia/Ho_Chi_Minh',
      failure: { status, heading, message },
    }));
  };
}
