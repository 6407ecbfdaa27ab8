import { IsOptional, IsString, Length } from 'class-validator';

export class CreateVideoCallDto {
  @IsOptional()
  @IsString()
  @Length(1, 200)
  room_name?: string;
}
