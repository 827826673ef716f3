{#
  Multi-cell DECT managers and bases (W75, W80, W90): SIP servers are
  declared once as templates and every account points at one of them
  (XX_templates, line.XX_template_id).
-#}
{% for t in XX_templates.values() -%}
template.{{ t.id }}.name = Wazo {{ t.id }}
template.{{ t.id }}.sip_server.1.address = {{ t.proxy_ip or '%NULL%' }}
template.{{ t.id }}.sip_server.1.port = {{ t.proxy_port or '%NULL%' }}
template.{{ t.id }}.sip_server.1.transport_type = {{ XX_sip_transport }}
template.{{ t.id }}.sip_server.2.address = {{ t.backup_proxy_ip or '%NULL%' }}
template.{{ t.id }}.sip_server.2.port = {{ t.backup_proxy_port or '%NULL%' }}
template.{{ t.id }}.sip_server.2.transport_type = {{ XX_sip_transport }}
{% endfor -%}
{% for line_no, line in XX_sip_lines.items() -%}
{% if line -%}
account.{{ line_no }}.enable = 1
account.{{ line_no }}.label = {{ line.number or line.display_name or '' }}
account.{{ line_no }}.display_name = {{ line.display_name or '' }}
account.{{ line_no }}.auth_name = {{ line.auth_username or '' }}
account.{{ line_no }}.user_name = {{ line.username or '' }}
account.{{ line_no }}.password = {{ line.password or '' }}
account.{{ line_no }}.sip_server.template = {{ line.XX_template_id or 1 }}
account.{{ line_no }}.dtmf.type = {{ line.XX_dtmf_type or '%NULL%' }}
account.{{ line_no }}.dtmf.info_type = 1
account.{{ line_no }}.srtp_encryption = {{ line.XX_srtp_encryption or 0 }}
account.{{ line_no }}.subscribe_mwi = {{ 1 if sip_subscribe_mwi else 0 }}
voice_mail.number.{{ line_no }} = {{ line.voicemail or '%NULL%' }}
{% else -%}
account.{{ line_no }}.enable = 0
account.{{ line_no }}.user_name = %NULL%
account.{{ line_no }}.password = %NULL%
account.{{ line_no }}.sip_server.template = %NULL%
voice_mail.number.{{ line_no }} = %NULL%
{% endif -%}
{% endfor -%}
